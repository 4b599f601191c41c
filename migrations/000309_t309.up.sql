CREATE TABLE t309 (id bigint PRIMARY KEY, name text NOT NULL);
