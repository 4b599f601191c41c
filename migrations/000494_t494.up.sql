CREATE TABLE t494 (id bigint PRIMARY KEY, name text NOT NULL);
