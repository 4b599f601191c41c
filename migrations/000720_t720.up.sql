CREATE TABLE t720 (id bigint PRIMARY KEY, name text NOT NULL);
