CREATE TABLE t768 (id bigint PRIMARY KEY, name text NOT NULL);
