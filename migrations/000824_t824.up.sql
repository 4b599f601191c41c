CREATE TABLE t824 (id bigint PRIMARY KEY, name text NOT NULL);
