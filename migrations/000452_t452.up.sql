CREATE TABLE t452 (id bigint PRIMARY KEY, name text NOT NULL);
