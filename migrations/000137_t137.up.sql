CREATE TABLE t137 (id bigint PRIMARY KEY, name text NOT NULL);
