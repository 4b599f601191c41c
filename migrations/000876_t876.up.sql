CREATE TABLE t876 (id bigint PRIMARY KEY, name text NOT NULL);
