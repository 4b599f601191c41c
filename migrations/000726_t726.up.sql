CREATE TABLE t726 (id bigint PRIMARY KEY, name text NOT NULL);
