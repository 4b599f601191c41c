CREATE TABLE t326 (id bigint PRIMARY KEY, name text NOT NULL);
